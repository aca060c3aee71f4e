"""Views and quizzes for educators."""
