"""The model registry: versions and stages as git tags, in GTO's format.

    name@v1.2.3         registers version v1.2.3 of the artifact `name` at the tagged commit
    name@v1.2.3!        deregisters it
    name#prod#7         assigns the version at the tagged commit to the stage `prod` (7 counts
                        the artifact's stage tags, as GTO numbers them)
    name#prod!#8        unassigns it

Tags are annotated: who and when is the tagger. `tags` is the grammar, `state` reads every
tag in one `git for-each-ref` and works out what GTO shows (`gto show`, `gto history`), and
`write` makes the tags `mlci register` and `mlci promote` add.
"""
