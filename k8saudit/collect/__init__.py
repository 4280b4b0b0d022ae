"""Sources: live API (`live`), snapshot and manifests (`files`). Each yields an Inventory."""
