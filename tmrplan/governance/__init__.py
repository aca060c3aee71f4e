"""Review actions, the audit log, the governance pack and impact analysis."""
