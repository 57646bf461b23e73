//! Where each contractor reaches, so routing reads only the contractors that can cover a lead
//! instead of the whole network. A contractor's base point (its base postcode's centre) is kept on
//! the row, and `contractor_cells` lists the map cells (half a degree square) that its service
//! radius touches: the contractors who might cover a point are those listed under that point's
//! cell, found through the primary key on both databases without a spatial extension. The server
//! fills both when a contractor is placed (sign-up, a changed base or radius, a postcode import,
//! and at start-up for rows that predate this migration).

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

fn columns() -> Vec<ColumnDef> {
    vec![
        ColumnDef::new("base_latitude").double().null().to_owned(),
        ColumnDef::new("base_longitude").double().null().to_owned(),
        // The radius the cells were drawn for (NULL: not placed yet).
        ColumnDef::new("placed_radius_km").integer().null().to_owned(),
    ]
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for mut col in columns() {
            m.alter_table(Table::alter().table("contractors").add_column(&mut col).to_owned()).await?;
        }
        m.create_table(
            Table::create()
                .table("contractor_cells")
                .col(ColumnDef::new("cell").integer().not_null())
                .col(ColumnDef::new("contractor_id").uuid().not_null())
                .primary_key(Index::create().col("cell").col("contractor_id"))
                .foreign_key(
                    ForeignKey::create()
                        .from("contractor_cells", "contractor_id")
                        .to("contractors", "id")
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("idx_contractor_cells_contractor")
                .table("contractor_cells")
                .col("contractor_id")
                .to_owned(),
        )
        .await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table("contractor_cells").to_owned()).await?;
        for col in columns().into_iter().rev() {
            let name = col.get_column_name();
            m.alter_table(Table::alter().table("contractors").drop_column(Alias::new(name)).to_owned()).await?;
        }
        Ok(())
    }
}
