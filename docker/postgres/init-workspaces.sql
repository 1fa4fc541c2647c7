-- Student workspaces live in their own database (WORKSPACE_DATABASE_URL).
CREATE DATABASE cohort_workspaces;
