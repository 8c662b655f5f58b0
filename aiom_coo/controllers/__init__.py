from . import api
from . import mcp
