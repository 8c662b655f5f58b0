"""The Odoo configuration file that scripts/run.sh, scripts/test.sh, bench/run.sh and the tests use.

One place builds the addons path, for both layouts of an Odoo 18.0 source tree:

- a git clone of odoo/odoo: ``odoo/addons`` holds ``base`` (and Odoo's test modules), ``addons/``
  the business apps (web, mail, crm, account, ...);
- a packaged nightly (``odoo_18.0.latest.tar.gz``, the Debian package's tree): everything under
  ``odoo/addons``.

Plain Python (standard library only): bash calls it as a script, tests and benchmarks import it.

    python devtools/odoo_config.py CONFIG --odoo-src DIR --db-host ... --http-port 8069
"""

import argparse
import configparser
import os
import sys
from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parent.parent


class OdooSourceError(Exception):
    """The directory is not an Odoo 18.0 source tree in either layout."""


def odoo_addons_dirs(odoo_src):
    """The addons directories of an Odoo source tree, ``odoo/addons`` first."""
    src = Path(odoo_src)
    if not (src / "odoo" / "release.py").is_file():
        raise OdooSourceError(f"{src} is not an Odoo source tree: odoo/release.py not found")
    dirs = [src / "odoo" / "addons"]
    if (src / "addons" / "web" / "__manifest__.py").is_file():
        dirs.append(src / "addons")  # a git clone: the apps live beside the odoo package
    if not any((directory / "web" / "__manifest__.py").is_file() for directory in dirs):
        raise OdooSourceError(f"{src} has no 'web' addon in odoo/addons or addons: an incomplete Odoo source tree")
    return dirs


def addons_path(odoo_src, project_dir=PROJECT_DIR):
    """The ``addons_path`` option: Odoo's addons directories, then this project's addons."""
    return ",".join(str(path) for path in [*odoo_addons_dirs(odoo_src), Path(project_dir)])


def write_config(
    path,
    *,
    odoo_src,
    db_host,
    db_port,
    db_user,
    db_password="",
    http_port=8069,
    http_interface="",
    data_dir=None,
    project_dir=PROJECT_DIR,
):
    """Write the ``[options]`` file the scripts use; return its path."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    options = {
        "addons_path": addons_path(odoo_src, project_dir),
        "data_dir": str(data_dir or Path(project_dir) / ".local" / "filestore"),
        "db_host": db_host or "",
        "db_port": str(db_port or ""),
        "db_user": db_user or "",
        "db_password": db_password or "",
        "http_port": str(http_port),
        "http_interface": http_interface or "",
        "list_db": "False",
        "without_demo": "False",
    }
    lines = ["[options]", *(f"{key} = {value}" for key, value in options.items())]
    path.write_text("\n".join(lines) + "\n")
    return path


def read_options(path):
    """The ``[options]`` section of an Odoo configuration file, as a dict."""
    parser = configparser.ConfigParser(interpolation=None)
    parser.read(path)
    return dict(parser["options"])


def main(argv=None):
    parser = argparse.ArgumentParser(description="Write the Odoo configuration file of this checkout.")
    parser.add_argument("config", help="path of the file to write")
    parser.add_argument("--odoo-src", default=os.environ.get("ODOO_SRC"), required="ODOO_SRC" not in os.environ)
    parser.add_argument("--db-host", default="")
    parser.add_argument("--db-port", default="")
    parser.add_argument("--db-user", default="")
    parser.add_argument("--db-password", default="")
    parser.add_argument("--http-port", default="8069")
    parser.add_argument("--http-interface", default="")
    parser.add_argument("--data-dir", default=None)
    args = parser.parse_args(argv)
    try:
        write_config(
            args.config,
            odoo_src=args.odoo_src,
            db_host=args.db_host,
            db_port=args.db_port,
            db_user=args.db_user,
            db_password=args.db_password,
            http_port=args.http_port,
            http_interface=args.http_interface,
            data_dir=args.data_dir,
        )
    except OdooSourceError as error:
        sys.exit(f"error: {error}")


if __name__ == "__main__":
    main()
