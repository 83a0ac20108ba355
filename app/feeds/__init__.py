"""Personal iCal feeds (webcal) and their secret tokens."""
