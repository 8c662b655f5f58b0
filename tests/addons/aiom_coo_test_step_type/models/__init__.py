from . import aiom_step_record_archive
