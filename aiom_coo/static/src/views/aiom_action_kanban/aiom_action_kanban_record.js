import { KanbanRecord } from "@web/views/kanban/kanban_record";

export class AiomActionKanbanRecord extends KanbanRecord {
    get renderingContext() {
        const data = this.props.record.data;
        return {
            ...super.renderingContext,
            aiom: {
                // The icon comes from the step type itself (aiom.step.handler), not from a list here.
                typeIcon: data.type_icon || "fa-bolt",
                // luxon, in the user's language: "3 hours ago"
                age: data.create_date ? data.create_date.toRelative() : "",
                targetUrl: data.target_ref
                    ? `/odoo/${data.target_ref.resModel}/${data.target_ref.resId}`
                    : false,
                targetName: data.target_ref ? data.target_ref.displayName : "",
            },
        };
    }
}
