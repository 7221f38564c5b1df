using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace WeChatAi.Core.Data.Migrations
{
    /// <inheritdoc />
    public partial class ConsoleQueries : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AlterDatabase()
                .Annotation("Npgsql:PostgresExtension:pg_trgm", ",,");

            migrationBuilder.AddColumn<string>(
                name: "Nickname",
                table: "wechat_users",
                type: "character varying(64)",
                maxLength: 64,
                nullable: true);

            migrationBuilder.CreateIndex(
                name: "IX_wechat_users_AppId_LastSeenAt_OpenId",
                table: "wechat_users",
                columns: new[] { "AppId", "LastSeenAt", "OpenId" },
                descending: new[] { false, true, true });

            migrationBuilder.CreateIndex(
                name: "IX_wechat_users_AppId_OpenId_pattern",
                table: "wechat_users",
                columns: new[] { "AppId", "OpenId" })
                .Annotation("Npgsql:IndexOperators", new[] { "varchar_pattern_ops", "varchar_pattern_ops" });

            migrationBuilder.CreateIndex(
                name: "IX_wechat_users_Nickname",
                table: "wechat_users",
                column: "Nickname")
                .Annotation("Npgsql:IndexMethod", "gin")
                .Annotation("Npgsql:IndexOperators", new[] { "gin_trgm_ops" });

            migrationBuilder.CreateIndex(
                name: "IX_refunds_SucceededAt",
                table: "refunds",
                column: "SucceededAt");

            migrationBuilder.CreateIndex(
                name: "IX_orders_AppId_OpenId_Id",
                table: "orders",
                columns: new[] { "AppId", "OpenId", "Id" });

            migrationBuilder.CreateIndex(
                name: "IX_orders_State_Id",
                table: "orders",
                columns: new[] { "State", "Id" });

            migrationBuilder.CreateIndex(
                name: "IX_chat_exchanges_Answer",
                table: "chat_exchanges",
                column: "Answer")
                .Annotation("Npgsql:IndexMethod", "gin")
                .Annotation("Npgsql:IndexOperators", new[] { "gin_trgm_ops" });

            migrationBuilder.CreateIndex(
                name: "IX_chat_exchanges_AppId_OpenId_Id",
                table: "chat_exchanges",
                columns: new[] { "AppId", "OpenId", "Id" },
                descending: new[] { false, false, true });

            migrationBuilder.CreateIndex(
                name: "IX_chat_exchanges_Question",
                table: "chat_exchanges",
                column: "Question")
                .Annotation("Npgsql:IndexMethod", "gin")
                .Annotation("Npgsql:IndexOperators", new[] { "gin_trgm_ops" });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "IX_wechat_users_AppId_LastSeenAt_OpenId",
                table: "wechat_users");

            migrationBuilder.DropIndex(
                name: "IX_wechat_users_AppId_OpenId_pattern",
                table: "wechat_users");

            migrationBuilder.DropIndex(
                name: "IX_wechat_users_Nickname",
                table: "wechat_users");

            migrationBuilder.DropIndex(
                name: "IX_refunds_SucceededAt",
                table: "refunds");

            migrationBuilder.DropIndex(
                name: "IX_orders_AppId_OpenId_Id",
                table: "orders");

            migrationBuilder.DropIndex(
                name: "IX_orders_State_Id",
                table: "orders");

            migrationBuilder.DropIndex(
                name: "IX_chat_exchanges_Answer",
                table: "chat_exchanges");

            migrationBuilder.DropIndex(
                name: "IX_chat_exchanges_AppId_OpenId_Id",
                table: "chat_exchanges");

            migrationBuilder.DropIndex(
                name: "IX_chat_exchanges_Question",
                table: "chat_exchanges");

            migrationBuilder.DropColumn(
                name: "Nickname",
                table: "wechat_users");

            migrationBuilder.AlterDatabase()
                .OldAnnotation("Npgsql:PostgresExtension:pg_trgm", ",,");
        }
    }
}
