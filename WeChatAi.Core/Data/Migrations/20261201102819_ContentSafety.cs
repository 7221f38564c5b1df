using System;
using Microsoft.EntityFrameworkCore.Migrations;
using Npgsql.EntityFrameworkCore.PostgreSQL.Metadata;

#nullable disable

namespace WeChatAi.Core.Data.Migrations
{
    /// <inheritdoc />
    public partial class ContentSafety : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<string>(
                name: "Blocked",
                table: "chat_exchanges",
                type: "character varying(16)",
                maxLength: 16,
                nullable: true);

            migrationBuilder.CreateTable(
                name: "safety_decisions",
                columns: table => new
                {
                    Id = table.Column<long>(type: "bigint", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                    ExchangeId = table.Column<long>(type: "bigint", nullable: false),
                    AppId = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    OpenId = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    Direction = table.Column<string>(type: "character varying(16)", maxLength: 16, nullable: false),
                    Source = table.Column<string>(type: "character varying(16)", maxLength: 16, nullable: false),
                    Blocked = table.Column<bool>(type: "boolean", nullable: false),
                    Rule = table.Column<string>(type: "character varying(256)", maxLength: 256, nullable: false),
                    Score = table.Column<double>(type: "double precision", nullable: true),
                    SpanStart = table.Column<int>(type: "integer", nullable: true),
                    SpanLength = table.Column<int>(type: "integer", nullable: true),
                    Excerpt = table.Column<string>(type: "character varying(500)", maxLength: 500, nullable: true),
                    DecidedAt = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_safety_decisions", x => x.Id);
                    table.ForeignKey(
                        name: "FK_safety_decisions_chat_exchanges_ExchangeId",
                        column: x => x.ExchangeId,
                        principalTable: "chat_exchanges",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateIndex(
                name: "IX_chat_exchanges_Blocked_ReceivedAt",
                table: "chat_exchanges",
                columns: new[] { "Blocked", "ReceivedAt" },
                filter: "\"Blocked\" IS NOT NULL");

            migrationBuilder.CreateIndex(
                name: "IX_safety_decisions_AppId_OpenId_DecidedAt",
                table: "safety_decisions",
                columns: new[] { "AppId", "OpenId", "DecidedAt" });

            migrationBuilder.CreateIndex(
                name: "IX_safety_decisions_DecidedAt",
                table: "safety_decisions",
                column: "DecidedAt");

            migrationBuilder.CreateIndex(
                name: "IX_safety_decisions_ExchangeId_Direction",
                table: "safety_decisions",
                columns: new[] { "ExchangeId", "Direction" },
                unique: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "safety_decisions");

            migrationBuilder.DropIndex(
                name: "IX_chat_exchanges_Blocked_ReceivedAt",
                table: "chat_exchanges");

            migrationBuilder.DropColumn(
                name: "Blocked",
                table: "chat_exchanges");
        }
    }
}
