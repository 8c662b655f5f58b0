import { Component, onWillStart, useState } from "@odoo/owl";
import { _t } from "@web/core/l10n/translation";
import { formatPercentage } from "@web/views/fields/formatters";
import { registry } from "@web/core/registry";
import { useService } from "@web/core/utils/hooks";
import { standardActionServiceProps } from "@web/webclient/actions/action_service";

const { DateTime } = luxon;

const RISK_CLASSES = { low: "success", medium: "warning", high: "danger" };

/** The AI COO dashboard: what waits for a decision, what ran, and how well. */
export class AiomDashboard extends Component {
    static template = "aiom_coo.AiomDashboard";
    static props = { ...standardActionServiceProps };

    setup() {
        this.orm = useService("orm");
        this.action = useService("action");
        this.state = useState({ data: null });
        onWillStart(() => this.load());
    }

    async load() {
        this.state.data = await this.orm.call("aiom.action", "get_dashboard_data", []);
    }

    get pendingTotal() {
        return this.state.data.pending_by_risk.reduce((total, risk) => total + risk.count, 0);
    }

    get failureRate() {
        return formatPercentage(this.state.data.failure_rate, { digits: [16, 0] });
    }

    get avgApproval() {
        const hours = this.state.data.avg_approval_hours;
        if (hours === null) {
            return "–";
        }
        return hours < 1 ? _t("%s min", Math.round(hours * 60)) : _t("%s h", hours);
    }

    get days() {
        const perDay = this.state.data.per_day;
        const max = Math.max(1, ...perDay.map((day) => day.total));
        return perDay.map((day) => ({
            ...day,
            label: DateTime.fromISO(day.date).toFormat("dd MMM"),
            totalHeight: `${(day.total / max) * 100}%`,
            executedHeight: day.total ? `${(day.executed / day.total) * 100}%` : "0%",
        }));
    }

    get outcomes() {
        return _t("%(failed)s failed, %(executed)s executed", {
            failed: this.state.data.failed,
            executed: this.state.data.executed,
        });
    }

    riskLabel(risk) {
        return _t("%s risk", risk.label);
    }

    riskClass(risk) {
        return RISK_CLASSES[risk] || "secondary";
    }

    openActions(name, domain) {
        this.action.doAction({
            type: "ir.actions.act_window",
            name,
            res_model: "aiom.action",
            views: [
                [false, "list"],
                [false, "form"],
            ],
            domain,
        });
    }

    openPending(risk) {
        this.openActions(_t("Pending: %s risk", risk.label), [
            ["state", "=", "pending"],
            ["risk_level", "=", risk.risk_level],
        ]);
    }

    openAgent(agent) {
        this.openActions(agent.agent, [["agent", "=", agent.agent]]);
    }

    openFailed() {
        this.openActions(_t("Failed actions"), [["state", "=", "failed"]]);
    }
}

registry.category("actions").add("aiom_coo.dashboard", AiomDashboard);
