{
    "name": "AI COO on queue_job",
    "summary": "Spread AI COO executions and brain-loop analyzers over queue_job workers and servers",
    "version": "18.0.2.0.0",
    "category": "Productivity",
    "website": "https://github.com/aiom/aiom_coo",
    "author": "aiom_coo developers",
    "license": "LGPL-3",
    "installable": True,
    # Installed by itself wherever both are: the core stays installable without queue_job.
    "auto_install": True,
    "depends": ["aiom_coo", "queue_job"],
    "data": [
        "data/queue_job_channel_data.xml",
        "data/queue_job_function_data.xml",
        "views/res_config_settings_views.xml",
    ],
}
