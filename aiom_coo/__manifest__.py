{
    "name": "AI COO",
    "summary": "AI-proposed business actions, approved in one click and executed for real",
    "version": "18.0.2.0.0",
    "category": "Productivity",
    "website": "https://github.com/aiom/aiom_coo",
    "author": "aiom_coo developers",
    "license": "LGPL-3",
    "application": True,
    "installable": True,
    # No business app: each one's analyzers, operator rights and demo come with a bridge addon
    # (aiom_coo_crm, aiom_coo_account, aiom_coo_project) that installs itself along with the app.
    "depends": ["mail", "base_setup"],
    "external_dependencies": {"python": ["requests"]},
    "data": [
        "security/aiom_coo_groups.xml",
        "security/ir.model.access.csv",
        "security/aiom_coo_rules.xml",
        "data/mail_message_subtype_data.xml",
        "data/res_users_data.xml",
        "data/ir_cron_data.xml",
        "data/mail_activity_type_data.xml",
        "data/mail_template_data.xml",
        "data/aiom_guardrail_policy_data.xml",
        "wizard/aiom_planner_ask_views.xml",
        "views/aiom_action_views.xml",
        "views/aiom_guardrail_policy_views.xml",
        "views/aiom_analyzer_views.xml",
        "views/aiom_llm_usage_views.xml",
        "views/aiom_dashboard_action.xml",
        "views/res_config_settings_views.xml",
        "views/res_users_views.xml",
        "wizard/aiom_brain_loop_run_views.xml",
        "views/aiom_coo_menus.xml",
    ],
    "demo": [
        "demo/aiom_action_demo.xml",
    ],
    "assets": {
        "web.assets_backend": [
            "aiom_coo/static/src/**/*",
            ("remove", "aiom_coo/static/src/tours/**/*"),
        ],
        "web.assets_unit_tests": [
            "aiom_coo/static/tests/**/*",
        ],
        "web.assets_tests": [
            "aiom_coo/static/src/tours/**/*",
        ],
    },
}
