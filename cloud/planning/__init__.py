"""What a request means: the planner port, the rules, the optional language model, second chance."""
