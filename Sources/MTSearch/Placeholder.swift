// Placeholder until the module's code lands; replaced by its owner.
