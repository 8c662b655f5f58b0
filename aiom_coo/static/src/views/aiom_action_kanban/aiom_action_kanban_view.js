import { registry } from "@web/core/registry";
import { kanbanView } from "@web/views/kanban/kanban_view";
import { AiomActionKanbanRenderer } from "./aiom_action_kanban_renderer";

export const aiomActionKanbanView = {
    ...kanbanView,
    Renderer: AiomActionKanbanRenderer,
};

registry.category("views").add("aiom_action_kanban", aiomActionKanbanView);
