CREATE TABLE "instrument_items" (
	"instrument_id" text NOT NULL,
	"item_key" text NOT NULL,
	"min" double precision NOT NULL,
	"max" double precision NOT NULL,
	CONSTRAINT "instrument_items_instrument_id_item_key_pk" PRIMARY KEY("instrument_id","item_key"),
	CONSTRAINT "instrument_items_range" CHECK ("instrument_items"."max" >= "instrument_items"."min")
);
