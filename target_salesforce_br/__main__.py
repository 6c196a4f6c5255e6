"""Run the target with ``python -m target_salesforce_br``."""

from __future__ import annotations

from target_salesforce_br.target import TargetSalesforceBR

TargetSalesforceBR.cli()
