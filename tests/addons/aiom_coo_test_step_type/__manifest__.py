{
    "name": "AI COO test: a step type added by another addon",
    "summary": "Proves that a new step type is one file: validation, guardrails, summary, icon and API come with it",
    "version": "18.0.1.0.0",
    "category": "Hidden/Tests",
    "author": "aiom_coo developers",
    "website": "https://github.com/aiom/aiom_coo",
    "license": "LGPL-3",
    "installable": True,
    "depends": ["aiom_coo"],
}
