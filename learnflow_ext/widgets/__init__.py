"""Rendering the shared reply model: one text renderer (`ReplyView`) and the ipywidgets cards."""
