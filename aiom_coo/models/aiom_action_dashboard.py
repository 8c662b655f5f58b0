from datetime import datetime, time, timedelta

import pytz

from odoo import api, fields, models
from odoo.tools import SQL

from .aiom_action import EXECUTED, FAILED, PENDING

DASHBOARD_DAYS = 14
TOP_AGENTS = 5


class AiomAction(models.Model):
    """The figures of the AI COO dashboard, aggregated in the database as the current user."""

    # One file per job (inbox, dashboard, demo) beside the engine, which keeps each one small.
    _inherit = "aiom.action"  # pylint: disable=consider-merging-classes-inherited

    @api.model
    def get_dashboard_data(self, days=DASHBOARD_DAYS):
        """All the dashboard's figures in one call; every query applies the user's access rules."""
        self.check_access("read")
        days = max(1, min(int(days), 90))
        today = self._dashboard_today()
        return {
            "pending_by_risk": self._dashboard_pending_by_risk(),
            "executed_today": self.search_count([("state", "=", EXECUTED), ("executed_date", ">=", self._utc(today))]),
            **self._dashboard_failure_rate(),
            "avg_approval_hours": self._dashboard_avg_approval_hours(),
            "top_agents": [
                {"agent": agent, "count": count}
                for agent, count in self._read_group(
                    [("agent", "!=", False)], ["agent"], ["__count"], order="__count desc, agent", limit=TOP_AGENTS
                )
            ],
            "per_day": self._dashboard_per_day(today, days),
        }

    @api.model
    def _dashboard_today(self):
        tz = pytz.timezone(self.env.context.get("tz") or self.env.user.tz or "UTC")
        return datetime.now(tz).date()

    @api.model
    def _utc(self, day):
        """Midnight of ``day`` in the user's time zone, as Odoo's naive UTC datetime."""
        tz = pytz.timezone(self.env.context.get("tz") or self.env.user.tz or "UTC")
        return tz.localize(datetime.combine(day, time.min)).astimezone(pytz.utc).replace(tzinfo=None)

    @api.model
    def _dashboard_pending_by_risk(self):
        counts = dict(self._read_group([("state", "=", PENDING)], ["risk_level"], ["__count"]))
        return [
            {"risk_level": value, "label": label, "count": counts.get(value, 0)}
            for value, label in self._fields["risk_level"]._description_selection(self.env)
        ]

    @api.model
    def _dashboard_failure_rate(self):
        counts = dict(self._read_group([("state", "in", (EXECUTED, FAILED))], ["state"], ["__count"]))
        executed, failed = counts.get(EXECUTED, 0), counts.get(FAILED, 0)
        return {
            "executed": executed,
            "failed": failed,
            "failure_rate": failed / (executed + failed) if executed + failed else 0.0,
        }

    @api.model
    def _dashboard_avg_approval_hours(self):
        # _search applies the record rules; the average itself is one SQL aggregate.
        query = self._search([("approved_date", "!=", False)])
        approved = self._field_to_sql(self._table, "approved_date", query)
        created = self._field_to_sql(self._table, "create_date", query)
        [(seconds,)] = self.env.execute_query(query.select(SQL("AVG(EXTRACT(EPOCH FROM %s - %s))", approved, created)))
        return round(seconds / 3600, 1) if seconds is not None else None

    @api.model
    def _dashboard_per_day(self, today, days):
        first = today - timedelta(days=days - 1)
        groups = self._read_group([("create_date", ">=", self._utc(first))], ["create_date:day", "state"], ["__count"])
        per_day = {first + timedelta(days=offset): {"total": 0, "executed": 0} for offset in range(days)}
        for day, state, count in groups:
            day = day.date() if isinstance(day, datetime) else day
            if day in per_day:
                per_day[day]["total"] += count
                if state == EXECUTED:
                    per_day[day]["executed"] += count
        return [{"date": fields.Date.to_string(day), **counts} for day, counts in sorted(per_day.items())]
