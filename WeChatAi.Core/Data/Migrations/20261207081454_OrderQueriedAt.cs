using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace WeChatAi.Core.Data.Migrations
{
    /// <inheritdoc />
    public partial class OrderQueriedAt : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<DateTimeOffset>(
                name: "QueriedAt",
                table: "orders",
                type: "timestamp with time zone",
                nullable: false,
                defaultValue: new DateTimeOffset(new DateTime(1, 1, 1, 0, 0, 0, 0, DateTimeKind.Unspecified), new TimeSpan(0, 0, 0, 0, 0)));

            // Orders made before: never queried, so their creation stands for the last look.
            migrationBuilder.Sql("UPDATE orders SET \"QueriedAt\" = \"CreatedAt\";");

            migrationBuilder.CreateIndex(
                name: "IX_orders_State_QueriedAt",
                table: "orders",
                columns: new[] { "State", "QueriedAt" });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "IX_orders_State_QueriedAt",
                table: "orders");

            migrationBuilder.DropColumn(
                name: "QueriedAt",
                table: "orders");
        }
    }
}
