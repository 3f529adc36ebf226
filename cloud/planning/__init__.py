"""What a request means: the planner port, time phrases, the "can't" replies, the
language-model client and the second chance. The capabilities plug into it; it imports none."""
