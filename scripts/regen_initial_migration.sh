#!/usr/bin/env bash
# Regenerates models/migrations/versions/0001_initial.py from the table models.
# Only while no database has been deployed (this session's development); afterwards add new revisions.
set -euo pipefail
cd "$(dirname "$0")/.."
tmp=$(mktemp -d)
rm -f models/migrations/versions/0001_initial.py
.venv/bin/python - "$tmp" <<'PY'
import sys
from alembic import command
from models.db import make_engine
from models.migrate import alembic_config
engine = make_engine(f"sqlite:///{sys.argv[1]}/empty.db")
cfg = alembic_config(engine)
with engine.begin() as conn:
    cfg.attributes["connection"] = conn
    command.revision(cfg, message="initial schema", autogenerate=True, rev_id="0001")
PY
mv models/migrations/versions/0001_initial_schema.py models/migrations/versions/0001_initial.py
rm -rf "$tmp"
echo "regenerated models/migrations/versions/0001_initial.py"
