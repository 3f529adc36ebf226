"""What the cloud can do for a request: carry out a planner's action, reminders, taught phrases."""
