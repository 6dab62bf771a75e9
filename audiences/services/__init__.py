"""Writes of `audiences` (house style: services). One module per part: `audiences.py`, ...

- `profiles`: `profile_upsert`, `profiles_upsert_batch`, `profile_update`, `profile_delete`,
  `profiles_delete`
- `profile_input`: validation of profile payloads; `profile_writer`: set-based SQL (COPY, unnest)
- `profile_import`: CSV import jobs (`import_job_create`, `import_job_run`, `import_file`)
"""
