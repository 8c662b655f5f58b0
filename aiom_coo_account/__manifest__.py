{
    "name": "AI COO for Invoicing",
    "summary": "The AI COO's brain loop sends dunning reminders for overdue customer invoices",
    "version": "18.0.1.0.0",
    "category": "Accounting/Accounting",
    "website": "https://github.com/aiom/aiom_coo",
    "author": "aiom_coo developers",
    "license": "LGPL-3",
    "installable": True,
    # Installed by itself wherever both are: the core knows nothing of invoices.
    "auto_install": True,
    "depends": ["aiom_coo", "account"],
    "data": [
        "data/res_users_data.xml",
        "data/aiom_analyzer_data.xml",
        "views/aiom_analyzer_views.xml",
    ],
    "demo": [
        "demo/account_move_demo.xml",
        "demo/aiom_action_demo.xml",
    ],
}
