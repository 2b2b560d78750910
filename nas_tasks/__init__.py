"""Neural architecture search tasks on the NAS-Bench-201 cell space."""
