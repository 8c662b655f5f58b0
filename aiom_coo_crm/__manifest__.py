{
    "name": "AI COO for CRM",
    "summary": "The AI COO's brain loop follows up stalled opportunities",
    "version": "18.0.1.0.0",
    "category": "Sales/CRM",
    "website": "https://github.com/aiom/aiom_coo",
    "author": "aiom_coo developers",
    "license": "LGPL-3",
    "installable": True,
    # Installed by itself wherever both are: the core knows nothing of CRM.
    "auto_install": True,
    "depends": ["aiom_coo", "crm"],
    "data": [
        "security/ir.model.access.csv",
        "security/aiom_coo_crm_rules.xml",
        "data/res_users_data.xml",
        "data/aiom_analyzer_data.xml",
        "views/aiom_analyzer_views.xml",
    ],
    "demo": [
        "demo/crm_lead_demo.xml",
        "demo/aiom_action_demo.xml",
    ],
    "assets": {
        "web.assets_tests": [
            "aiom_coo_crm/static/tests/tours/**/*",
        ],
    },
}
