"""The data hub's pages (under /datahub/): the plant's data home, sources and tokens, series,
consents, the access log, and the spreadsheet upload and monthly form for plants without a
system. Thin views over datahub.services; the plant's own members manage, everyone else who
may see the plant gets 403, anyone else 404."""
