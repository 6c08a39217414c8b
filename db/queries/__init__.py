"""Named, bounded SQL: every count per group is done here, and every function returns a DataFrame (or plain rows).

One module per domain: org (stations, townships), tasks (任务清单 and 月报 submissions), baobao (包保督导), hazards
(风险隐患排查整治) and kpis. Import the domain module: `from db.queries import baobao as bq`."""
