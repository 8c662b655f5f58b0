"""18.0.2.0.0, once every module of the run is loaded, the bridges installed with it included.

A module that installs loads its data in 'init' mode, which writes even over noupdate records: the
bridges wrote their data over the analyzers and levels that the pre-migration handed them. Put back
the values people had given them (the rows copied aside before), as an upgrade of noupdate data would.
"""

import logging

from odoo import SUPERUSER_ID, api
from odoo.tools import SQL
from odoo.tools.sql import table_columns, table_exists

_logger = logging.getLogger("odoo.addons.aiom_coo.migrations")

TABLES = ("aiom_analyzer", "aiom_analyzer_level")


def migrate(cr, version):
    for table in TABLES:
        snapshot = f"{table}_before_bridges"
        if not table_exists(cr, snapshot):
            continue
        columns = sorted((set(table_columns(cr, table)) & set(table_columns(cr, snapshot))) - {"id"})
        if columns:
            cr.execute(
                SQL(
                    "UPDATE %(table)s AS row SET (%(columns)s) = ROW(%(values)s) FROM %(snapshot)s AS old"
                    " WHERE row.id = old.id",
                    table=SQL.identifier(table),
                    columns=SQL(", ").join(SQL.identifier(column) for column in columns),
                    values=SQL(", ").join(SQL.identifier("old", column) for column in columns),
                    snapshot=SQL.identifier(snapshot),
                )
            )
            _logger.info("AI COO: %s row(s) of %s kept as they were before the bridges", cr.rowcount, table)
        cr.execute(SQL("DROP TABLE %s", SQL.identifier(snapshot)))
    api.Environment(cr, SUPERUSER_ID, {}).invalidate_all()
