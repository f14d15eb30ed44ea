"""What people see and read: the overlay, the reports and the pages."""
