"""Singer target that writes voter records to Salesforce Contacts and Topics."""
