"""Reading, validating, importing and exporting the city's registry (点位登记) as CSV or XLSX.

Format (one file per table, same base names as CSV or XLSX, or one workbook with a sheet per table):
``districts``, ``units``, ``points``, ``cameras``, ``indicators``, ``problem_types`` and the optional
``indicator_assignments`` and ``routing_rules``. Columns are listed in :mod:`models.registry_io.schema`
and in ``assets/registry/README.md``.

Import policy: everything is validated first; a problem raises :class:`RegistryImportError` naming file,
row and column, and nothing is written. A database that already holds a registry is only changed with
``replace=True``: rows are then matched by code (updated in place, so cases keep their references), new
rows added, absent rows removed, link tables replaced — all in one transaction.
"""
from .errors import RegistryImportError
from .exporter import WORKBOOK_NAME, export_registry
from .importer import import_registry, validate_directory
from .schema import TABLES
from .writer import registry_counts
from .zones import zone_problems

__all__ = [
    "RegistryImportError", "TABLES", "WORKBOOK_NAME", "export_registry", "import_registry", "registry_counts",
    "validate_directory", "zone_problems",
]
