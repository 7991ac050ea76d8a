"""Analysis helpers behind tools/analysis_tools (anchor coverage, matching).

Nothing here registers components; the tools import these modules directly.
"""
