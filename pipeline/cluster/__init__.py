"""The same batch on a Dask cluster: each recording one task on a worker that loads its models
once; this process submits, follows and records."""
