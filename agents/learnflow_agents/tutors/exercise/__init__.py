"""The exercise tutor: notebook-based exercises, a sandboxed checker, the picker and course tools."""
