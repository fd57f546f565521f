/// Entry point of `mt-bleu`; the command is defined in Options.swift, Run.swift, Output.swift.
MTBleu.main()
