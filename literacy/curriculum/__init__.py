"""Curriculum: the topics learners ask about and the skills a lesson can teach."""
