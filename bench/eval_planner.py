"""The AI planner's evaluation, run in `odoo shell` (./bench/run.sh planner, or directly:
`odoo shell -c CONFIG -d DB < bench/eval_planner.py` on a database with crm and aiom_coo).

Against any OpenAI-compatible endpoint named by the environment:

    AIOM_EVAL_BASE_URL   e.g. http://localhost:11434/v1 (Ollama), http://localhost:1234/v1 (LM Studio),
                         http://localhost:8000/v1 (vLLM)
    AIOM_EVAL_MODEL      the model name the server knows (required with AIOM_EVAL_BASE_URL)
    AIOM_EVAL_API_KEY    sent as a bearer token (optional)
    AIOM_EVAL_TIMEOUT    seconds per request (default 120: local models are slow)
    AIOM_EVAL_REQUEST_TOKENS  the planner's token budget per request (default 8000)
    AIOM_EVAL_ONLY       comma-separated scenario keys to run (default: all)

Without AIOM_EVAL_BASE_URL it runs the scenarios against the local scripted server (the test
command's run). Prints one line per scenario and the figures: valid-plan rate, property pass rate,
guardrail refusals, latency p50/p95, tokens per plan. Everything it creates is rolled back.
"""

import logging
import os

# The scenarios live with the CRM bridge's tests; importing them outside a test run is expected here.
logging.getLogger("odoo.tests.common").setLevel(logging.CRITICAL)

from odoo.addons.aiom_coo.tests.llm_server import API_KEY, FakeLlm  # noqa: E402
from odoo.addons.aiom_coo_crm.tests import planner_eval  # noqa: E402

base_url = os.environ.get("AIOM_EVAL_BASE_URL")
only = {key.strip() for key in os.environ.get("AIOM_EVAL_ONLY", "").split(",") if key.strip()}
params = env["ir.config_parameter"]  # noqa: F821  (odoo shell's environment)
fake = None
if base_url:
    model = os.environ.get("AIOM_EVAL_MODEL") or ""
    if not model:
        raise SystemExit("AIOM_EVAL_MODEL is required with AIOM_EVAL_BASE_URL")
    settings = {
        "base_url": base_url,
        "model": model,
        "api_key": os.environ.get("AIOM_EVAL_API_KEY", ""),
        "timeout": os.environ.get("AIOM_EVAL_TIMEOUT", "120"),
    }
else:
    fake = FakeLlm().start()
    settings = {"base_url": fake.base_url, "model": "scripted-planner", "api_key": API_KEY, "timeout": "5"}
for name, value in settings.items():
    params.set_param(f"aiom_coo.llm_{name}", value)
params.set_param("aiom_coo.llm_enabled", "True")
params.set_param("aiom_coo.llm_monthly_token_budget", "0")
params.set_param("aiom_coo.llm_planner_request_tokens", os.environ.get("AIOM_EVAL_REQUEST_TOKENS", "8000"))
print(f"AI planner evaluation against {settings['base_url']} ({settings['model']})")
try:
    outcomes = planner_eval.run(env, fake=fake, only=only)  # noqa: F821
    planner_eval.print_report(outcomes)
finally:
    env.cr.rollback()  # noqa: F821
    if fake is not None:
        fake.stop()
