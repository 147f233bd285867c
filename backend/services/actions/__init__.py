"""Signed actions: described (:mod:`.spec`), prepared and submitted (:mod:`.pipeline`), and
the product's own (:mod:`.catalogue`, :mod:`.company`, :mod:`.market`)."""
