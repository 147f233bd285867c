"""The default stack (make run): its chain on disk, its data folder, backups."""
