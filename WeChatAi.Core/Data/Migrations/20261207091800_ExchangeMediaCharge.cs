using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace WeChatAi.Core.Data.Migrations
{
    /// <inheritdoc />
    public partial class ExchangeMediaCharge : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<string>(
                name: "Charge",
                table: "chat_exchanges",
                type: "character varying(16)",
                maxLength: 16,
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "Media",
                table: "chat_exchanges",
                type: "character varying(8)",
                maxLength: 8,
                nullable: true);

            migrationBuilder.CreateIndex(
                name: "IX_admin_audit_Target_Id",
                table: "admin_audit",
                columns: new[] { "Target", "Id" });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "IX_admin_audit_Target_Id",
                table: "admin_audit");

            migrationBuilder.DropColumn(
                name: "Charge",
                table: "chat_exchanges");

            migrationBuilder.DropColumn(
                name: "Media",
                table: "chat_exchanges");
        }
    }
}
