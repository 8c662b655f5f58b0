from . import test_record_archive
