from . import aiom_analyzer_demo
