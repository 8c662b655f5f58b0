import { KanbanRenderer } from "@web/views/kanban/kanban_renderer";
import { AiomActionKanbanRecord } from "./aiom_action_kanban_record";

export class AiomActionKanbanRenderer extends KanbanRenderer {
    static components = {
        ...KanbanRenderer.components,
        KanbanRecord: AiomActionKanbanRecord,
    };
}
