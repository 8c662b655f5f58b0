from . import controllers, exceptions, models
