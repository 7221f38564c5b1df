using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace WeChatAi.Core.Data.Migrations
{
    /// <inheritdoc />
    public partial class ExchangeReceivedAtIndex : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateIndex(
                name: "IX_chat_exchanges_ReceivedAt",
                table: "chat_exchanges",
                column: "ReceivedAt");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "IX_chat_exchanges_ReceivedAt",
                table: "chat_exchanges");
        }
    }
}
