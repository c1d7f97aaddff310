"""CRM: customer profiles, enrichment, analysis, segments, scoring and prospection."""
