-- Individual or business (customer-profile's Customer.customer_type), for
-- segment rules (`customer_type = BUSINESS`). Rows written before this
-- migration hold '' until their next customer event: rules read it as
-- INDIVIDUAL, as customer-profile treats an unstated type.
ALTER TABLE read_model_customers
  ADD COLUMN IF NOT EXISTS customer_type VARCHAR(16) CHARACTER SET ascii COLLATE ascii_bin NOT NULL DEFAULT '';
