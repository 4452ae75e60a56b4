-- A chargeback puts its order in dispute: refunding a disputed payment would pay the shopper
-- twice (once by the refund, once by the card scheme), so refunds check this column.
ALTER TABLE orders ADD COLUMN disputed_at TIMESTAMP;
-- The date by which the merchant must answer the dispute, as AsiaBill's notice gives it.
ALTER TABLE chargebacks ADD COLUMN reply_deadline TIMESTAMP;
