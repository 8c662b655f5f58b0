{
    "name": "AI COO for Project",
    "summary": "The AI COO's operator may work on tasks; an example integration creates them",
    "version": "18.0.1.0.0",
    "category": "Services/Project",
    "website": "https://github.com/aiom/aiom_coo",
    "author": "aiom_coo developers",
    "license": "LGPL-3",
    "installable": True,
    # Installed by itself wherever both are: the core knows nothing of projects.
    "auto_install": True,
    "depends": ["aiom_coo", "project"],
    "data": [
        "data/res_users_data.xml",
    ],
    "demo": [
        "demo/aiom_action_demo.xml",
    ],
}
