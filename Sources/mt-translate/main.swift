print("mt-translate: not yet implemented")
